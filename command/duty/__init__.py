"""Duty (值班值守): the roster with its leader on duty, sign-in, handovers, and the call
register."""
