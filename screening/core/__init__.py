"""Pure modules: plain Python, no Django, no Celery, tested without a database. Agreement
statistics, keyword highlighting, screening rules, word diffs, the stopping rule and the
second look, the methods paragraph, database names, CSV writing and file names. (The larger
pure cores have packages of their own: formats, dedup, prisma, pubmed, ranking.)"""
