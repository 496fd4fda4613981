from fibonacco.cli import main

main()
