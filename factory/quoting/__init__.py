"""Every value is quoted for where it lands: POSIX sh, cmd.exe, PowerShell, YAML."""
