"""The command line: arguments, printing, exit codes. Nothing imports it; it calls the
public API and the rooms below it."""
