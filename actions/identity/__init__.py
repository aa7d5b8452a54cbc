"""Identity and verification (ID&V, issue #19): nobody hears a policy's or a claim's details before the bot
knows it is talking to the policyholder.

- :mod:`readers`: dates of birth and postcodes out of what customers type (bounded, linear).
- :mod:`service`: the checks and the limits, against the insurance database (keyword-only, session in).
- :mod:`gate`: what the disclosing actions ask before they answer (the sealed ``verified_customer`` slot).
- :mod:`actions`: the verification form's validation and its outcome.
- :mod:`web_identity`: a logged-in website customer, from the signed chat session.
"""
