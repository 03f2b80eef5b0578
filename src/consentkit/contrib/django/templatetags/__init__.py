"""Template tags of ``consentkit.contrib.django``."""
