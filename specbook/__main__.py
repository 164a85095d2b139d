from specbook.cli import entry

entry()
