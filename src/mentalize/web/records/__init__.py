"""Records: patients, treatment episodes, sessions and their notes, crisis plans, questionnaires
and outcome events. Who may see each row is decided in :mod:`.scoping` and nowhere else."""
