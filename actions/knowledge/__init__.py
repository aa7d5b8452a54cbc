"""The insurer's vetted knowledge base (content in ``knowledge/*.yml``).

Pure Python (PyYAML and numpy only, Python 3.10-compatible): the retriever inside Rasa
(``rasa_addons.knowledge_retrieval``) and ``action_answer_question`` in the action server read the same
content and the same decision rule.
"""
