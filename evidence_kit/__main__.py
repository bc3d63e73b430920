from evidence_kit.cli import main

main()
