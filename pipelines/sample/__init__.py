"""Synthetic deliveries for trying the pipeline out and for its tests (`helhedsplan sample`).

Not part of the data path: nothing in ingest, dbt, the gate, publishing or the report imports it.
`generator` wires the simulation; `population`, `labour`, `school`, `activities` and `courses`
simulate the residents; `files` and `deliveries` write them in the data contract's messy file forms.
"""

from pipelines.sample.generator import PLAIN_ABOVE, generate

__all__ = ["PLAIN_ABOVE", "generate"]
