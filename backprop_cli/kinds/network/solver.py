"""A network problem solved in stages: values (engine), gradient check, steps, insights, variants."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from backprop_cli import derive
from backprop_cli.load.problem import Problem
from backprop_cli.solve import insights, training
from backprop_cli.solve.pipeline import Options
from backprop_cli.solve.records import Solution, VariantSolution


def solve(problem: Problem, options: Options) -> Solution:
    """The worked solution of ``problem``: values, derivation steps, insights, variants."""
    share = options.check_share * (1 + len(problem.variants))
    options = replace(options, check_share=share)  # the variants share the check's budget
    with np.errstate(all="ignore"):  # overflow becomes inf/NaN, reported as an insight
        solution = training.values(problem, options.round_intermediate, options.progress)
        check = None
        if options.gradient_check:  # imported only when asked for: the JSON path stays lean
            from backprop_cli.solve import gradient_check

            check = gradient_check.gradient_check(problem, solution, share=share)
        solution = replace(
            solution,
            steps=derive.steps(solution),
            insights=insights.find(solution),
            gradient_check=check,
        )
    variants = tuple(
        VariantSolution(
            v.name, v.assignments, solve(v.problem, replace(options, check_share=share))
        )
        for v in problem.variants
    )
    return replace(solution, variants=variants)
