module gotime

go 1.21
