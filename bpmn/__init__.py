"""BPMN process definitions of weavergen's registry operations, shipped as package data."""
