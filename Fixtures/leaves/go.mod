module leaves

go 1.21
