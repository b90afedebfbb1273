"""Clearly fictional names from many languages for demo data."""

from __future__ import annotations

FIRST_NAMES = (
    "Anna", "Ben", "Chiara", "Dmitri", "Eleni", "Farah", "Giulia", "Hiroshi", "Ingrid", "Jamal",
    "Kateřina", "Łukasz", "Mariam", "Nikolai", "Olusegun", "Priya", "Quentin", "Rosa", "Søren",
    "Tomás", "Ulla", "Valentina", "Wojciech", "Xiomara", "Yusuf", "Zofia", "Ελένη", "Дмитрий",
    "José", "Aoife", "Bjørn", "Chidi", "Dagný", "Émile", "Fatma", "Gökhan", "Hana", "Ilse",
    "Jürgen", "Kalani", "Leilani", "Mehmet", "Noémie", "Oona", "Pilar", "Radek", "Sakura",
    "Thandiwe", "Uriel", "Vesna", "Wanjiru", "Ximena", "Yara", "Zoltán", "Ahmad", "Beatriz",
)

LAST_NAMES = (
    "Example", "Sample", "Testwell", "Placeholder", "Demoulin", "Fictivo", "Musterfrau", "Mustermann",
    "Żółć", "Papadopoulou", "Иванова", "Nakamura-Demo", "Okafor-Sample", "Van der Proef", "Lindqvist-Demo",
    "Kowalska-Test", "Rossi-Esempio", "García-Ejemplo", "Novák-Ukázka", "Öztürk-Örnek", "Dubois-Exemple",
    "Nguyen-Mau", "Haddad-Mithal", "Svensson-Prov", "Horvat-Primjer", "Kim-Yesi", "Silva-Exemplo",
    "Murphy-Sampla", "Jensen-Eksempel", "Virtanen-Esimerkki", "Schmidt-Beispiel", "Costa-Amostra",
)

RELATIONSHIPS = ("Spouse", "Daughter", "Son", "Partner", "Sister", "Brother", "Friend", "Home-care aide")

TEAM_NAMES = (
    "Dr. Ada Demo", "Nurse Ben Sample", "Cara Physio-Demo", "Dev OT-Sample", "Eve SLT-Demo",
    "Finn Dietitian-Demo", "Gia Resp-Sample", "Dr. Hal Palliative-Demo", "Ivy Social-Demo", "Dr. Jo Psych-Sample",
)

GOALS = (
    "Keep walking safely indoors for as long as possible",
    "Slow the loss of weight",
    "Keep talking with family every day, with aids as needed",
    "Sleep through the night with comfortable breathing",
    "Stay at home with the right equipment",
    "Keep eating favourite foods safely",
    "Prevent falls",
    "Keep the carer rested and supported",
)

REASONS = (
    "Review at multidisciplinary clinic",
    "Weight loss since last visit",
    "New difficulty swallowing",
    "Breathing symptoms at night",
    "Fall at home",
    "Patient declined an item after discussion",
    "Equipment delivered",
    "Speech harder to understand",
    "Carer asked for more help",
)
