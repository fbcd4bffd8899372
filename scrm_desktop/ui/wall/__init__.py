"""The wall-mounted command-center display: a full-screen, large-type, unattended view."""
