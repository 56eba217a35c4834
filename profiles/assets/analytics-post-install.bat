@echo off
rem Acme's own post-install step (profiles/acme-analytics.yaml): pip in the work
rem environment installs from Acme's PyPI mirror. PREFIX is the installation.
> "%PREFIX%\envs\work\pip.ini" echo [global]
if errorlevel 1 exit /b 1
>> "%PREFIX%\envs\work\pip.ini" echo index-url = https://pypi.acme.example/simple
if errorlevel 1 exit /b 1
