"""One-time questionnaire links: a patient fills in one questionnaire without an account."""
