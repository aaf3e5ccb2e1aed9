"""The Knowledge Flywheel: classify closed sessions, propose or reinforce flows (``runner`` drives it, ``engine`` decides)."""
