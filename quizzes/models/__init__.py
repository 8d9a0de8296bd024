from .attempts import Attempt, AttemptQuestion
from .bank import STEM_FEATURES, AcceptedAnswer, Question, QuestionChoice, QuestionMatchPair
from .pages import QuizPage

__all__ = [
    "STEM_FEATURES",
    "AcceptedAnswer",
    "Attempt",
    "AttemptQuestion",
    "Question",
    "QuestionChoice",
    "QuestionMatchPair",
    "QuizPage",
]
