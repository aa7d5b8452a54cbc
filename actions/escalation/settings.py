"""The configured thresholds, built once from actions.config."""
from actions import config
from actions.escalation.decision import Thresholds

THRESHOLDS = Thresholds(
    intensity=config.ESCALATE_INTENSITY,
    immediate_intensity=config.ESCALATE_IMMEDIATE_INTENSITY,
    sustained_level=config.ESCALATE_SUSTAINED_LEVEL,
    sustained_turns=config.ESCALATE_SUSTAINED_TURNS,
    rising_slope=config.ESCALATE_RISING_SLOPE,
    large_loss_amount=config.ESCALATE_LARGE_LOSS_AMOUNT,
    decline_step=config.ESCALATE_DECLINE_STEP,
    cooldown_turns=config.ESCALATE_COOLDOWN_TURNS,
)
