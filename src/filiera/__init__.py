"""Filiera: the open-source platform that runs health innovation clusters."""
