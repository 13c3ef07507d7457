from gravity.cli import main

main()
