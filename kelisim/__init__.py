"""Kelisim's shared library: the only code the services and the gateway share."""
