"""depthlens.draw."""
