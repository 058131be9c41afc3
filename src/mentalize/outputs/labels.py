"""The words every output uses for the analysis's values: modes, interventions, risk kinds,
rungs and times, and the therapist's response to high arousal.

One table per value, shared by the terminal summary, the HTML report, the clinic and Reflect, so a
rung reads the same wherever a clinician meets it.
"""

from __future__ import annotations

__all__ = [
    "INTERVENTION_LABELS",
    "MODE_LABELS",
    "MODE_SHORT",
    "POLARITY_LABELS",
    "RESPONSE_LABELS",
    "RISK_LABELS",
    "RISK_SEVERITY_LABELS",
    "RISK_TEMPORAL_LABELS",
    "STRAIN_LABELS",
    "risk_rung",
]

MODE_LABELS: dict[str, str] = {
    "mentalizing": "Mentalizing (reflective, tentative)",
    "psychic_equivalence": "Psychic equivalence (inner experience taken as outer reality)",
    "teleological": "Teleological (states only through actions)",
    "pretend": "Pretend (intellectualised, cut off from feeling)",
    "concrete": "Concrete (no mental states)",
    "hypermentalizing": "Hypermentalizing (confident chains of hidden motives)",
}
MODE_SHORT: dict[str, str] = {
    "mentalizing": "Mentalizing",
    "psychic_equivalence": "Psychic equivalence",
    "teleological": "Teleological",
    "pretend": "Pretend",
    "concrete": "Concrete",
    "hypermentalizing": "Hypermentalizing",
}
POLARITY_LABELS: dict[str, tuple[str, str, str]] = {
    # polarity -> (name, first pole, second pole)
    "self_other": ("Self - other", "self", "other"),
    "cognitive_affective": ("Cognitive - affective", "cognitive", "affective"),
    "internal_external": ("Internal - external", "internal", "external"),
    "automatic_controlled": ("Automatic - controlled", "automatic", "controlled"),
}
STRAIN_LABELS: dict[str, str] = {
    "withdrawal": "withdrawing from the therapist",
    "confrontation": "confronting the therapist",
}
INTERVENTION_LABELS: dict[str, str] = {
    "curious_question": "Curious question",
    "empathic_validation": "Empathic validation",
    "clarification": "Clarification",
    "challenge": "Challenge",
    "relationship": "Relationship",
    "interpretation": "Interpretation",
    "advice": "Advice",
    "other": "Other",
}
RISK_LABELS: dict[str, str] = {
    "ideation": "Suicidal ideation language",
    "self_harm": "Self-harm language",
    "harm_to_others": "Harm-to-others language",
    "none": "No risk language",
}
RISK_SEVERITY_LABELS: dict[str, str] = {
    "unspecified": "extent not stated",
    "wish_to_be_dead": "wish to be dead",
    "active_thoughts": "active thoughts of suicide",
    "method": "thoughts with a method",
    "intent": "intent to act",
    "plan": "plan or preparation",
    "behaviour": "suicidal act or attempt",
    "urge": "urge",
    "thoughts": "thoughts",
    "act": "act",
}
"""The rung of a flag in words (the Columbia ladder for ideation; urge or act for self-harm;
thoughts, intent or act for harm to others)."""
RISK_TEMPORAL_LABELS: dict[str, str] = {
    "current": "now",
    "past": "in the past",
    "hypothetical": "if something happens",
}


def risk_rung(severity: str, temporal: str) -> str:
    """ "wish to be dead, now" — the rung and the time of a flag, for every output."""
    rung = RISK_SEVERITY_LABELS.get(severity, severity)
    return f"{rung}, {RISK_TEMPORAL_LABELS.get(temporal, temporal)}"


RESPONSE_LABELS: dict[str | None, tuple[str, str, str]] = {
    # value -> (badge text, css modifier, one-line explanation)
    "stepped_down": (
        "Stepped down",
        "good",
        "The therapist moved toward validation, slowing and simple questions.",
    ),
    "pushed_on": (
        "Pushed on",
        "warn",
        "The therapist kept up demanding interventions (interpretation, advice, challenge) "
        "while arousal was high.",
    ),
    "mixed": ("Mixed", "neutral", "Some stepping down and some pushing on."),
    None: ("No therapist response in transcript", "muted", "No therapist turn followed."),
}
