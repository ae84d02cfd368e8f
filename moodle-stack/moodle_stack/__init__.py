"""Run the Moodle warehouse pipeline on embedded defaults."""
