from dsql_lint.cli import main

main()
