"""One module per family of alarm kinds (contract section 5). Rules are plain functions of
a ``Context`` and an event or timer; they never read a clock."""
