"""depthlens.nn."""
