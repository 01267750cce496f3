"""The gateway: ingest, pipeline, storage and series. Assembled by ``siteguard.app``."""
