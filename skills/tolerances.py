"""Every distance by which stackbot reads a table, in one place.

Two readings use them. Ground truth (`skills.snapshot.WorldSnapshot`): the goal predicates on
exact object poses, for the benchmark, success detection and the tests. Perceived
(`skills.relations.SceneGeometry`, the affordances, the compiler): relations between detected
positions, which are off by millimetres to a centimetre and hold no orientation, so those
tolerances are looser; the prompt shows them (`red block in blue bowl`), so changing one of
them changes the prompt text that the planner's adapter was tuned on.
"""

from __future__ import annotations

BLOCK_SIZE = 0.04  # metres, edge of a block
BOWL_FLOOR_HEIGHT = 0.006  # a bowl's floor above its base
BOWL_RIM_RADIUS = 0.062  # a bowl's inner radius at the rim
BOWL_OUTER_RADIUS = 0.07  # a bowl's outer radius: fingers coming down stay outside it

# A block this close (horizontally) to a named location is at it: ground truth and perceived.
AT_TOLERANCE = 0.03

# Ground truth -------------------------------------------------------------------------------
# in: the block's centre at least this far inside the rim, no higher than the centre of the
# top block of a stack of MAX_BLOCKS_IN_BOWL on the bowl's floor (plus IN_BOWL_HEIGHT_MARGIN).
IN_BOWL_RIM_MARGIN = 0.01
MAX_BLOCKS_IN_BOWL = 4
IN_BOWL_HEIGHT_MARGIN = 0.01
# on: centres this close horizontally, one block size apart vertically within ON_HEIGHT_TOLERANCE.
ON_TOLERANCE = 0.02
ON_HEIGHT_TOLERANCE = 0.01
# at: on the table, i.e. the block's centre below this many block sizes.
ON_TABLE_HEIGHT = 0.75
UNMOVED_TOLERANCE = 0.02  # an object that ends this close to where it started is unmoved
# at a place (`skills.places`: beside an object, where an object started): this close.
PLACE_TOLERANCE = 0.04
# all_at: each block this close horizontally to the location, at any height (a stack there).
OVER_TOLERANCE = 0.05
# line: each block this close to one straight line of the kind.
LINE_TOLERANCE = 0.03

# Perceived ----------------------------------------------------------------------------------
STACK_TOLERANCE = 0.03  # a seen block this close horizontally to one below rests on it
BOWL_RADIUS = 0.06  # a seen block whose centre is this close to a bowl's centre is in it
# A block seen this far (horizontally) from where the gripper let go of it was moved afterwards
# by something else (a person): farther than it can fall from there (a bowl's outer rim plus
# half a block's diagonal is 9.5 cm from the bowl's centre).
MOVED_AFTER_RELEASE = 0.10
