"""Scalar computational graphs (SPEC section 6): f(x, y, z) = (x + y)·z solved gate by gate.

`problem` reads the file (`parser` reads formulas safely, `staging` makes one
node per operation, `gates` holds each gate's value and local derivative),
`solver` runs the forward and backward passes and the updates into the
`records`, `steps` writes each as formula → substitution → value,
`insights` finds what a student should notice, `report` writes the JSON,
`sections` the blocks of the human formats, and `quantities` and `mistakes`
grade a student's answers.
"""
