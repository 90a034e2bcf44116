"""The Lab tab's HTTP API (being written)."""

from fastapi import APIRouter

router = APIRouter()
