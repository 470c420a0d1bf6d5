package dev.logmesh.discovery;
