"""depthlens: see what the depth of a neural network does."""
