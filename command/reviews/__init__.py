"""Post-incident evaluation (事后评估) and the corrective actions (整改措施) it opens."""
