"""The cases service: mediation cases from registration to compliance."""
