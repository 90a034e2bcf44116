"""depthlens.experiment."""
