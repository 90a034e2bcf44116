"""depthlens.data."""
