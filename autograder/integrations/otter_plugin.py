"""An otter-grader plugin: the grade on Gradescope comes from torchgrade's sandboxed engine.

otter runs a submission's cells and its tests inside one Jupyter kernel, where a notebook
can patch the test runner. This plugin grades the submission with torchgrade first (the
same hidden checks, points and isolation as ``make grade``), then hands otter a notebook
with every code cell emptied, so no student code runs in otter's kernel, and finally
writes torchgrade's per-question scores and feedback into otter's results, from which
otter writes Gradescope's ``results.json`` as usual.

Enabled by ``python -m autograder dist`` through the assignment config:
``plugins: [{autograder.integrations.otter_plugin.TorchgradePlugin: {assignment: <id>}}]``.
"""
import tempfile
from pathlib import Path

from otter.plugins import AbstractOtterPlugin
from otter.test_files import GradingResults, OKTestFile
from otter.test_files.abstract_test import TestCase, TestCaseResult

from .. import pipeline
from ..assignments import questions
from ..i18n import translate
from ..records import QuestionResult, msg
from ..reports.render import render


class TorchgradePlugin(AbstractOtterPlugin):
    """Grades with torchgrade before otter executes anything, and reports its scores."""

    record = None

    def before_grading(self, config):
        try:
            with tempfile.TemporaryDirectory(prefix="torchgrade-otter-") as out:
                records = pipeline.grade(self.plugin_config["assignment"],
                                         [Path(self.submission_path)], out, jobs=1)
            self.record = records[0]
        except Exception as error:  # still report every question, at zero, with the reason
            print(f"torchgrade failed: {error!r}")

    def before_execution(self, submission):
        for cell in submission.cells:
            if cell.cell_type == "code":
                cell.source = ""
        return submission

    def after_grading(self, results):
        if self.record is not None:
            detail, notes, per_question = (self.record.detail, self.record.notes,
                                           self.record.questions)
        else:
            detail, notes = msg("The autograder could not grade this submission; please tell "
                                "your instructor."), []
            per_question = {qid: QuestionResult(0, points, failed=[detail])
                            for qid, points in questions(self.plugin_config["assignment"]).items()}
        lang = self.plugin_config.get("language", "en")
        tests = {}
        for qid, entry in per_question.items():
            case = TestCase(qid, "", False, entry.max_score, None, None)
            message = ("\n".join(render(m, "text", lang) for m in entry.failed)
                       or translate("All checks passed.", lang))
            test = OKTestFile(qid, f"tests/{qid}.py", [case], all_or_nothing=False)
            test.test_case_results = [TestCaseResult(case, message, not entry.failed)]
            test.update_score(entry.score)
            tests[qid] = test
        results.results = tests
        results._catastrophic_error = None  # whatever otter's kernel did no longer matters
        results.set_output("\n".join(render(m, "text", lang) for m in [detail, *notes] if m))
        results.__class__ = TorchgradeResults


class TorchgradeResults(GradingResults):
    """otter's results, written to results.json with a total score and a status per test."""

    def to_gradescope_dict(self, ag_config):
        output = super().to_gradescope_dict(ag_config)
        output.setdefault("score", self.total)
        for test in output["tests"]:
            if "score" in test:
                test["status"] = "passed" if test["score"] >= test["max_score"] else "failed"
        return output
