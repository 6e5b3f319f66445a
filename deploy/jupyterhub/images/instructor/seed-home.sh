#!/usr/bin/env bash
# Runs before the instructor's server starts (docker-stacks' before-notebook.d): on the first start only, copy
# the course repository into the persistent home. The image's editable install points there, so solutions,
# releases and the gradebook (.grading) all live on the instructor's volume.
if [ ! -e "${HOME}/lambda-course/pyproject.toml" ]; then
  mkdir -p "${HOME}/lambda-course"
  cp -r /opt/lambda-course/. "${HOME}/lambda-course/"
fi
