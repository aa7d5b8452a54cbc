"""Handing a conversation to a person: the offer, the ticket, the wait, the return to the bot."""
