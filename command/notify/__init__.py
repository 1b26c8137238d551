"""Notifications: reminders before a reporting deadline and escalation after it, to the
people on duty, derived from the event log and delivered through apprise."""
