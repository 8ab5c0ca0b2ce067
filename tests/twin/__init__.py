"""Tests of the digital twin (mimedi_qual/twin), one file per model."""
