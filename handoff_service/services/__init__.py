"""Service layer: functions with a keyword-only ``session`` that return models. No HTTP here."""
