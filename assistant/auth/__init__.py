"""Who may see what: users and tokens (users.py), sign-in (access.py, throttle.py), collections per group
(scope.py), the audit log and answer feedback (audit.py), and their commands (commands.py)."""
