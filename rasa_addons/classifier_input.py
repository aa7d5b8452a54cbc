"""The logistic regression's input rows built in one step, the same matrix as Rasa's.

Rasa 3.6's ``LogisticRegressionClassifier._create_X`` asks each message for its combined sparse and dense
features (``Message.get_sparse_features``): that deep-copies the first featurizer's features and joins the others
one by one with ``scipy.sparse.hstack`` — for the token-level (sequence) features too, which the classifier then
throws away — and joins the sentence row to the dense features with one more ``hstack``, then stacks the rows.
With Heard's five featurizers that was ~7 % of the time Rasa held the GIL under the 50-customer load
(py-spy, docs/benchmarks.md "Session 7"), three times the classifier's own prediction.

Here each message's sentence-level blocks are taken in the order Rasa takes them (sparse features in the
order the featurizers added them, then the dense ones), their entries laid side by side with their column
offsets, and one sparse matrix is made from all rows. Its entries, columns and type are Rasa's, so the
classifier's probabilities are identical (tests/rasa/test_classifier_input.py compares both bit for bit on
Heard's NLU data and the trained model). Training is unchanged (``_create_training_matrix`` is Rasa's). The
classifier's weights are also kept column by column (``weights_by_column``), which spares a copy of all of them
at every prediction.
"""
from __future__ import annotations

from typing import Any, List

import numpy as np
import scipy.sparse
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message

_INSTALLED_MARK = "_heard_classifier_input"


def _row_entries(message: Message):
    """(columns, values, width) of a message's sentence features: sparse blocks first, then dense, as Rasa."""
    sparse = [f.features for f in message.features
              if f.attribute == TEXT and f.is_sparse() and f.type == FEATURE_TYPE_SENTENCE]
    dense = [f.features for f in message.features
             if f.attribute == TEXT and f.is_dense() and f.type == FEATURE_TYPE_SENTENCE]
    columns, values, width = [], [], 0
    for block in sparse:
        block = block.tocoo()
        columns.append(block.col.astype(np.int64) + width)
        values.append(block.data)
        width += block.shape[1]
    for block in dense:
        row = np.asarray(block).reshape(-1)
        nonzero = np.flatnonzero(row)  # what csr_matrix(dense) keeps
        columns.append(nonzero + width)
        values.append(row[nonzero])
        width += row.shape[0]
    return columns, values, width


def create_x(messages: List[Message]) -> scipy.sparse.csr_matrix:
    """Rasa's ``_create_X``: one row per message of its sentence-level sparse then dense features."""
    rows, columns, values, widths = [], [], [], set()
    for index, message in enumerate(messages):
        message_columns, message_values, width = _row_entries(message)
        widths.add(width)
        for block_columns, block_values in zip(message_columns, message_values):
            rows.append(np.full(len(block_columns), index, dtype=np.int64))
            columns.append(block_columns)
            values.append(block_values)
    if len(widths) != 1 or not values:
        # Rows of different widths, or no features at all: Rasa's own code raises or decides.
        return _RASA_CREATE_X(None, messages)
    matrix = scipy.sparse.coo_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
        shape=(len(messages), widths.pop()))
    return matrix.tocsr()


def weights_by_column(clf: Any) -> None:
    """Stores the classifier's weights column by column (the same values).

    ``predict_proba`` multiplies the input by ``coef_.T``; scipy needs that operand row by row in memory, so with
    the weights stored as trained (31 intents x 14,515 features) it copied all 3.6 MB of them for every message:
    0.38 of the prediction's 0.43 ms. Stored the other way round, ``coef_.T`` is already laid out as scipy reads
    it, and the same products are summed in the same order (the probabilities are compared bit for bit)."""
    coef = getattr(clf, "coef_", None)
    if isinstance(coef, np.ndarray) and coef.ndim == 2 and not coef.flags.f_contiguous:
        clf.coef_ = np.asfortranarray(coef)


_RASA_CREATE_X = LogisticRegressionClassifier._create_X


def install() -> bool:
    """Makes the classifier build its input rows this way; False when already installed."""
    if getattr(LogisticRegressionClassifier._create_X, _INSTALLED_MARK, False):
        return False

    def _create_X(self: LogisticRegressionClassifier, messages: List[Message]) -> scipy.sparse.csr_matrix:
        weights_by_column(self.clf)
        return create_x(messages)

    setattr(_create_X, _INSTALLED_MARK, True)
    LogisticRegressionClassifier._create_X = _create_X  # type: ignore[method-assign]
    return True
