"""Grading a student's answers against a solution: answers files, quantities, tolerance, mistakes, diagnosis."""
