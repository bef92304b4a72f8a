"""Sufficiency: places needed and spare places, DfE-style (no offsetting between areas)."""
