"""Year-end assessment (考核评估): indicator sheets as data, scorecards computed from what
the system holds, the self-assessment and inspection cycle, and the circular (通报)."""
