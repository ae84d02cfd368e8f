"""Singer tap for Moodle web services."""
